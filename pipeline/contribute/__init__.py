"""Contribution PRs: one per new resource or version, through GitHub or a local git repository;
`proposing.run` is the stage."""
