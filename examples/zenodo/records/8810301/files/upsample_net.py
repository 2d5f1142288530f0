"""Tiny 2x upsampler: a 3x3 convolution, a stride-2 transposed convolution, a 3x3 convolution."""
import torch
from torch import nn


class TinyUpsampler(nn.Module):
    """Doubles the resolution of a single-channel 2D image."""

    def __init__(self, hidden: int = 4):
        super().__init__()
        self.conv1 = nn.Conv2d(1, hidden, 3, padding=1)
        self.up = nn.ConvTranspose2d(hidden, hidden, 2, stride=2)
        self.conv2 = nn.Conv2d(hidden, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(torch.relu(self.up(torch.relu(self.conv1(x)))))
