/** Mermaid's own parser, loaded under jsdom (it wants a window, a document and a navigator), for the tests that check generated diagrams. */
export interface Mermaid { parse(text: string): Promise<unknown> }

export async function loadMermaid(): Promise<Mermaid> {
  const { JSDOM } = await import('jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  Object.defineProperty(globalThis, 'navigator', { value: dom.window.navigator, configurable: true });
  return (await import('mermaid')).default as unknown as Mermaid;
}
