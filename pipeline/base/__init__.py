"""The foundation every layer stands on: bounded HTTP, safe .npy, atomic files, digests, external commands."""
