/**
 * A small helper for building DOM nodes. Text always goes in through
 * `textContent`, never through HTML parsing, so user text such as
 * `<img onerror=...>` shows as characters and never runs.
 */

type Child = Node | string | undefined;

export interface ElementOptions {
  readonly className?: string;
  readonly text?: string;
  readonly title?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** Creates an element of type `tag` with the given options and children. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className !== undefined) {
    node.className = options.className;
  }
  if (options.text !== undefined) {
    node.textContent = options.text;
  }
  if (options.title !== undefined) {
    node.title = options.title;
  }
  for (const [name, value] of Object.entries(options.attributes ?? {})) {
    node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== undefined) {
      node.append(child);
    }
  }
  return node;
}
