/** Version reported by `/api/info` and the metrics info gauge. */
export const SERVER_VERSION = '0.1.0';
