#!/usr/bin/env node
// Foyer runs its TypeScript sources through tsx's loader, so `npm install && npm start` needs no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/main.ts');
await main(process.argv);
