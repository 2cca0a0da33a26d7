#!/usr/bin/env node
// `prepare`: builds the console (console/ → console/dist) when its build tool is installed. A production
// install without devDependencies skips it and says so; Foyer then serves a page explaining how to build it.
let vite;
try {
  vite = await import('vite');
} catch {
  console.warn('foyer: vite is not installed (devDependencies omitted): the console is not built. Run `npm run console:build` to build it.');
  process.exit(0);
}
await vite.build({ configFile: 'console/vite.config.ts', logLevel: 'warn' });
