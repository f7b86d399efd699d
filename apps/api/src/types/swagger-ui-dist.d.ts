// swagger-ui-dist ships no types; the API uses only this function.
declare module 'swagger-ui-dist' {
  /** Absolute path of the folder holding the Swagger UI files. */
  export function getAbsoluteFSPath(): string;
}
