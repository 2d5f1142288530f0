"""The website: static pages, the Pagefind search index and a local preview server;
`builder.run` is the stage."""
