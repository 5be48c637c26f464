// `npm run docs:api`: writes docs/api-reference.md from the sources.
import { writeFileSync } from 'node:fs';
import { renderApiReference } from './api-reference.js';

writeFileSync(new URL('../docs/api-reference.md', import.meta.url), renderApiReference());
