// Types for fresh-build.js (plain JS, run before anything else is loaded).
export declare function freshBuild(root: string): boolean;
