"""Two-input fusion network: a shared 3x3 trunk and three 1x1 heads."""
import torch
from torch import nn


class FusionNet(nn.Module):
    """Fuses a two-channel image with a one-channel prior into class logits, a restoration and masks."""

    def __init__(self, hidden: int = 6):
        super().__init__()
        self.trunk = nn.Conv2d(3, hidden, 3, padding=1)
        self.classes = nn.Conv2d(hidden, 3, 1)
        self.restore = nn.Conv2d(hidden, 2, 1)
        self.masks = nn.Conv2d(hidden, 2, 1)

    def forward(self, raw: torch.Tensor, prior: torch.Tensor):
        h = torch.relu(self.trunk(torch.cat([raw, prior], dim=1)))
        return self.classes(h), self.restore(h), torch.sigmoid(self.masks(h))
