/** The per-request variables the UI's middleware sets for its routes. */
export interface UiEnv {
  Variables: {
    /** The signed-in user (deployed mode); undefined locally. */
    user: string | undefined;
  };
}
