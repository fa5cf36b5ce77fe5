// Placeholder: the saga engine (issue 3) fills this package.
export {};
