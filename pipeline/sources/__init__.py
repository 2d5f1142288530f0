"""Sources: the Zenodo client and partner collections; `harvesting.run` fills the store from them."""
