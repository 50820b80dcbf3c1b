// The samples. Policies come from the repository's examples, as they are there; the
// rate-limit sample and the test tables are the playground's own (samples/).

import supportPolicy from "../../examples/policies/openai-support-agent.yaml?raw";
import tiersPolicy from "../../examples/openai-agents/policies/support-tiers.yaml?raw";
import limitsPolicy from "../samples/limits.yaml?raw";
import tokyoPolicy from "../samples/limits-tokyo.yaml?raw";
import limitsTests from "../samples/limits.tests.yaml?raw";
import supportTests from "../samples/support.tests.yaml?raw";
import tiersTests from "../samples/tiers.tests.yaml?raw";

const check = (action, context = {}, at = {}) => ({
  action,
  resource: "",
  context: JSON.stringify(context, null, 2),
  clock: false,
  date: at.date ?? "2026-11-26",
  time: at.time ?? "10:00",
  zone: at.zone ?? "UTC",
  mode: "enforce",
});

export const samples = {
  support: {
    title: "Support agent (the integration guide)",
    workspace: {
      policies: [{ name: "openai-support-agent.yaml", text: supportPolicy }],
      agents: {
        support: { id: "agent_support", name: "Customer Support Agent", trustTier: "verified", tags: ["openai", "support"] },
        billing: { id: "agent_billing", name: "Billing Specialist", trustTier: "verified", tags: [] },
        escalation: { id: "agent_escalation", name: "Escalation Manager", trustTier: "trusted", tags: [] },
      },
      agent: { key: "support", source: "fields" },
      checks: [check("write:refund", { amount: 150 })],
      chain: [],
      tests: supportTests,
    },
  },
  tiers: {
    title: "Tiered support: Tier 1 → Billing → Escalation",
    workspace: {
      policies: [{ name: "support-tiers.yaml", text: tiersPolicy }],
      agents: {
        tier1: { id: "agent_tier1", name: "Tier 1 Support", trustTier: "verified", tags: [] },
        billing: { id: "agent_billing", name: "Billing Specialist", trustTier: "verified", tags: [] },
        escalation: { id: "agent_escalation", name: "Escalation Manager", trustTier: "trusted", tags: [] },
      },
      agent: { key: "billing", source: "fields" },
      checks: [check("write:refund", { amount: 80 })],
      chain: ["tier1", "billing"],
      tests: tiersTests,
    },
  },
  limits: {
    title: "Rate limits, hours and zones",
    workspace: {
      policies: [
        { name: "limits.yaml", text: limitsPolicy },
        { name: "tokyo-desk.yaml", text: tokyoPolicy },
      ],
      agents: {
        assistant: { id: "agent_research", name: "Research Assistant", trustTier: "verified", tags: ["assistant"] },
      },
      agent: { key: "assistant", source: "fields" },
      checks: [check("read:web_search", {}, { date: "2026-11-26", time: "10:00", zone: "America/New_York" })],
      chain: [],
      tests: limitsTests,
    },
  },
};

export const defaultSample = "support";
