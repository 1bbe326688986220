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
