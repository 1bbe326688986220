/**
 * Small inline SVG icons. They need no font, so they draw the same on every machine (emoji glyphs
 * showed as missing-glyph boxes where the browser had no emoji font). Each is decorative
 * (aria-hidden): the text next to it, or `label` as visually hidden text, carries the meaning.
 */
import type { ReactNode } from 'react';

function Icon({ label, children }: { label?: string; children: ReactNode }) {
  return (
    <>
      <svg
        className="icon"
        viewBox="0 0 16 16"
        width="1em"
        height="1em"
        aria-hidden="true"
        focusable="false"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
        strokeLinejoin="round"
      >
        {children}
      </svg>
      {label && <span className="sr-only">{label}</span>}
    </>
  );
}

/** A folder; `label` names it for screen readers when no text beside it does. */
export function FolderIcon({ label }: { label?: string }) {
  return (
    <Icon label={label}>
      <path d="M1.5 3.5h4.5l1.5 1.5h7v8h-13z" />
    </Icon>
  );
}

/** A file (a page with a folded corner). */
export function FileIcon({ label }: { label?: string }) {
  return (
    <Icon label={label}>
      <path d="M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3" />
    </Icon>
  );
}

/** A cluster (a hexagon with a hub), beside a cluster's name. */
export function ClusterIcon({ label }: { label?: string }) {
  return (
    <Icon label={label}>
      <path d="M8 1.5l5.6 3.25v6.5L8 14.5l-5.6-3.25v-6.5z" />
      <circle cx="8" cy="8" r="1.8" />
    </Icon>
  );
}

/** An application (a box), beside an application's name. */
export function ApplicationIcon({ label }: { label?: string }) {
  return (
    <Icon label={label}>
      <rect x="2.5" y="2.5" width="11" height="11" rx="1" />
      <rect x="5.5" y="5.5" width="5" height="5" fill="currentColor" stroke="none" />
    </Icon>
  );
}

/**
 * The symbol of a state, so colour is never its only sign (for colour-blind readers and
 * monochrome screens): a tick for synced and healthy, a cross for failed, a broken heart line for
 * degraded, two unequal bars for out of sync, a half circle for progressing, a question mark for
 * unknown, a cut link for disconnected, an arrow turning back for rolled back.
 */
export function StateIcon({ state, label }: { state: string; label?: string }) {
  const shapes: Record<string, ReactNode> = {
    ok: <path d="M3 8.5l3 3 7-7" />,
    failed: <path d="M4 4l8 8M12 4l-8 8" />,
    degraded: <path d="M1.5 8h3l1.5-4 3 8 1.5-4h4" />,
    outofsync: <path d="M2.5 5.5h11M2.5 10.5h7" />,
    progressing: <path d="M8 2.5a5.5 5.5 0 1 1-5.5 5.5" />,
    unknown: <path d="M5.5 6a2.5 2.5 0 1 1 3.5 2.3c-.7.3-1 .8-1 1.5v.7M8 12.5v.5" />,
    disconnected: <path d="M2 8h3.5M10.5 8H14M6.5 5.5l3 5" />,
    none: <path d="M5 8h6" />,
    rolledback: <path d="M5.5 3.5L2.5 6.5l3 3M2.5 6.5h7a3.5 3.5 0 0 1 0 7h-3" />,
  };
  return <Icon label={label}>{shapes[state] ?? shapes.unknown}</Icon>;
}
