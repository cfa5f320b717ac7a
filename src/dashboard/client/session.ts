/**
 * Who is signed in, and the two things any part of the page may need to do: refresh everything,
 * or sign out when the token stops being accepted. main.ts sets the handlers.
 * @module
 */
import type { WhoamiBody } from "./types";

export const session: {
  token: string | null;
  role: WhoamiBody["role"] | null;
  refresh: () => Promise<void>;
  signOut: (message?: string) => void;
} = {
  token: null,
  role: null,
  refresh: async () => {},
  signOut: () => {},
};

export const isAdmin = (): boolean => session.role === "admin";
