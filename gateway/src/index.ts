// Placeholder: the gateway (issue 4) fills this package.
export {};
