/**
 * The fleet's books, its credit runway and the learner's panel, as `/status` and `/stats` answer
 * them (src/accounting/views.ts builds them).
 * @module
 */
import { z } from "@hono/zod-openapi";
import type { CreditView as CreditOf, LearnerView as LearnerOf, MoneyView as MoneyOf } from "../../accounting/views";
import type { Describes } from "./describes";

const windows = <T extends z.ZodType>(value: T) => z.object({ today: value, last24h: value, total: value });

export const Money = z
  .object({
    since: z.number().openapi({ description: "when the fleet's books started (epoch ms)" }),
    spent: windows(z.number()).openapi({ description: "dollars: today (UTC), the last 24 h, since start" }),
    games: windows(z.number().int()).openapi({ description: "games delivered (uploaded to Hugging Face)" }),
    gamesPerDollar: windows(z.number().nullable()).openapi({ description: "null where nothing was spent" }),
  })
  .openapi("Money", { description: "the fleet's own accounting: price × billed time per instance, disk included" });

export const Credit = z
  .object({
    balance: z.number().nullable().openapi({ description: "the account's credit in dollars at its last reading" }),
    at: z.number().nullable(),
    burnPerHour: z.number().openapi({ description: "the fleet's $/h at its last pass" }),
    runwayHours: z.number().nullable().openapi({ description: "balance / burnPerHour; null without a reading or a burn" }),
    alertBelowHours: z.number().nullable().openapi({ description: "the credit_low alert's threshold (ZEB_CREDIT_ALERT_HOURS)" }),
  })
  .openapi("Credit");

export const Learner = z
  .object({
    step: z.number().int().nullable().openapi({ description: "the newest weights step any worker runs" }),
    stepMovedAt: z.number().nullable().openapi({ description: "when that step last rose" }),
    examplesCommitAt: z.number().nullable().openapi({ description: "the examples repository's newest commit, as last checked" }),
    examplesCommit: z.string().nullable(),
    hold: z.string().nullable().openapi({ description: "why launches are held (weights, Hugging Face refusing the token)" }),
    alerts: z.array(z.string()).openapi({ description: "titles of the Hugging Face and learner alerts firing" }),
  })
  .openapi("Learner");

/** Compiles only while the shell's types fit these schemas (describes.ts). */
export type Checks = [Describes<typeof Money, MoneyOf>, Describes<typeof Credit, CreditOf>, Describes<typeof Learner, LearnerOf>];
