/** `npm run docs:glossary`: writes docs/glossary.md from web/glossary/terms.ts. */
import { writeFileSync } from 'node:fs';
import { glossaryMarkdown } from './markdown.ts';

writeFileSync(new URL('../../docs/glossary.md', import.meta.url), glossaryMarkdown());
console.log('wrote docs/glossary.md');
