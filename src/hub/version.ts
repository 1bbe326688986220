/** The hub's version, reported by the API and the metrics. */
export const HUB_VERSION = '0.1.0';
