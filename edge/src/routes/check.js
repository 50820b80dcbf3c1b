// POST /v1/check: may the token's agent take `action`? 200 with the decision, deny included.

import { decide } from "../decide.js";
import { settings } from "../config.js";
import { expect, isNonEmptyString, isObject, isString, json, readJsonObject } from "../http.js";
import { agentOf } from "../identity.js";

export async function check(request, env, ctx) {
  const agent = agentOf(request, env);
  const body = await readJsonObject(request, settings(env).maxBodyBytes, {
    allowed: ["action", "resource", "context", "chain", "traceId"],
    required: ["action"],
  });
  expect(body.action, "body.action", "a non-empty string", isNonEmptyString);
  expect(body.resource, "body.resource", "a string", isString);
  expect(body.context, "body.context", "an object", isObject);
  expect(body.chain, "body.chain", "a list of agents", Array.isArray);
  expect(body.traceId, "body.traceId", "a string", isString);
  const { action, ...options } = body;
  const { decision, version } = await decide(env, ctx, agent, { action, options });
  return json(decision, 200, { "x-meshguard-bundle-version": version });
}
