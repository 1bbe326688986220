const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a UUID. Routes take `:idOrName`, so names must never look like UUIDs (the name
 * validators refuse them) and a UUID-shaped key is always an id.
 */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}
