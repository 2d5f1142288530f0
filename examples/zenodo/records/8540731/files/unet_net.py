"""Tiny U-Net of one level: the skip connection needs an even input size, the model is trained at 64x64."""
import torch
from torch import nn


class TinyUNet(nn.Module):
    """One encoder level, max pooling, one bottleneck convolution, nearest upsampling, one decoder level."""

    def __init__(self, hidden: int = 4):
        super().__init__()
        self.enc = nn.Conv2d(1, hidden, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec = nn.Conv2d(2 * hidden, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = torch.relu(self.enc(x))
        m = torch.relu(self.mid(self.pool(e)))
        return self.dec(torch.cat([e, self.up(m)], dim=1))
