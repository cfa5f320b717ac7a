/**
 * The API's answers as the page reads them: the server's own types, imported in this one place so
 * that the page cannot drift from what the routes send.
 * @module
 */
export type * from "../../api/contract";
