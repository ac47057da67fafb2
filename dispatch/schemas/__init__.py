"""JSON Schemas of the package's documents (package data); see dispatch.document."""
