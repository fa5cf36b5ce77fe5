// Placeholder: event contracts (issue 3) and composition (issue 4) fills this package.
export {};
