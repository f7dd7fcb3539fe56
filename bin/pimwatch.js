#!/usr/bin/env node
// The installed command runs the compiled code (npm run build); during development use `npm run pimwatch --`.
import('../dist/main.js');
