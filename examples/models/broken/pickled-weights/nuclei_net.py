"""Tiny boundary network: three 3x3 convolutions, border crop of 4 pixels (valid output)."""
import torch
from torch import nn


class TinyBoundaryNet(nn.Module):
    """Predicts foreground and boundary logits for nuclei in a single-channel 2D image."""

    def __init__(self, hidden: int = 4, crop: int = 4):
        super().__init__()
        self.crop = crop
        self.conv1 = nn.Conv2d(1, hidden, 3, padding=1)
        self.conv2 = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.conv3 = nn.Conv2d(hidden, 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv1(x))
        h = torch.relu(self.conv2(h))
        y = self.conv3(h)
        c = self.crop
        return y[:, :, c:-c, c:-c]
