"""The bundled sample data (package data): see data/README.md in the repository and
PROVENANCE.md here.  Read them with :func:`dispatch.sample_paths` / :func:`dispatch.load_sample`."""
