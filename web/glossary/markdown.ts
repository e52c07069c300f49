/** docs/glossary.md, rendered from the glossary (the same text the app shows). */
import { TERMS } from './terms.ts';

export function glossaryMarkdown(): string {
  const lines = [
    '# Glossary',
    '',
    '<!-- Generated from web/glossary/terms.ts by `npm run docs:glossary`; edit that file, not this one. -->',
    '',
    'The words the app and the CLI use, what each means, where it comes from in the kernel, and where the app shows it.',
    'In the app, each term is a link wherever it appears (lane labels, table headers, the narration).',
    '',
  ];
  for (const t of TERMS) {
    lines.push(`## ${t.term}`, '', t.meaning, '', `- In the kernel: ${t.kernel}`, `- In the app: ${t.shown}`, '');
  }
  return lines.join('\n');
}
