/** Colours for the badges of merged logs, distinct in both themes. */
export const ORIGIN_COLORS = ["#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#e03131", "#5f3dc4", "#66a80f", "#c2255c", "#1098ad", "#868e96"];
