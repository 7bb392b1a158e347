#!/usr/bin/env node
// The `floyo-engine` command (package.json "bin"): loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
await main();
