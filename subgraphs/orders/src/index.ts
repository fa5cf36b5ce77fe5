// Placeholder: this subgraph (issue 4) fills this package.
export {};
