import { createRequire } from 'node:module';

/**
 * Microsoft's `adaptivecards` renderer library, used only to check that our cards are valid. Its `main`
 * is an ES module build with extensionless imports (made for bundlers), which Node cannot load; the
 * package also ships a self-contained UMD bundle in `dist/`, which Node loads as CommonJS. Parsing and
 * validating a card touch no DOM, so no DOM shim is needed.
 */
const require = createRequire(import.meta.url);
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/**
 * Everything the library has to say about a card: parse events (unknown element or action types,
 * invalid property values) and validation events. An empty list means the card is valid.
 */
export function adaptiveCardProblems(content: unknown): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(content, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    problems.push(`parse: ${event.message}`);
  }
  for (const event of card.validateProperties().validationEvents) {
    problems.push(`validate: ${event.message}`);
  }
  if (card.version.toString() !== '1.5') problems.push(`version ${card.version.toString()}, expected 1.5`);
  return problems;
}
