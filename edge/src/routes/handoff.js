// POST /v1/handoff: may the token's agent hand work to `to`? 200 with the decision and its chain.

import { decide } from "../decide.js";
import { settings } from "../config.js";
import { expect, isObject, isString, json, readJsonObject } from "../http.js";
import { agentOf } from "../identity.js";

export async function handoff(request, env, ctx) {
  const agent = agentOf(request, env);
  const body = await readJsonObject(request, settings(env).maxBodyBytes, {
    allowed: ["to", "chain", "context", "traceId"],
    required: ["to"],
  });
  expect(body.to, "body.to", "an agent object ({ id, name, ... })", isObject);
  expect(body.chain, "body.chain", "a list of agents", Array.isArray);
  expect(body.context, "body.context", "an object", isObject);
  expect(body.traceId, "body.traceId", "a string", isString);
  const { to, ...options } = body;
  const { decision, version } = await decide(env, ctx, agent, { to, options });
  return json(decision, 200, { "x-meshguard-bundle-version": version });
}
