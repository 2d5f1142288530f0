"""Tiny 2x downsampler: a 3x3 convolution, 2x2 average pooling, a 3x3 convolution."""
import torch
from torch import nn


class TinyDownsampler(nn.Module):
    """Maps a single-channel 2D image to a probability map of half its size."""

    def __init__(self, hidden: int = 4):
        super().__init__()
        self.conv1 = nn.Conv2d(1, hidden, 3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.conv2 = nn.Conv2d(hidden, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.pool(torch.relu(self.conv1(x))))
