// swagger-ui-dist ships no types; the API uses only this small module (the package's main file
// would load the whole ~1.5 MB UI bundle into the server).
declare module 'swagger-ui-dist/absolute-path.js' {
  /** Absolute path of the folder holding the Swagger UI files. */
  function getAbsoluteFSPath(): string;
  export = getAbsoluteFSPath;
}
