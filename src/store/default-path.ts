// Where the store lives when no --db is given. A module of its own, free of heavy imports, so that
// the CLI's --help does not load SQLite.
export const DEFAULT_DB = '.arbiter/arbiter.db';
