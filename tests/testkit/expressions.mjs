// GitHub's own evaluator of workflow expressions (@actions/expressions), one JSON request per
// line on stdin, one JSON answer per line on stdout: {expr, context, status} -> {value} | {error}.
// `status` is the job's state so far, which success(), failure(), cancelled() and always() read.
import { Lexer, Parser, Evaluator, data } from "@actions/expressions";
import * as readline from "node:readline";

const STATUS_FUNCTIONS = ["success", "failure", "cancelled", "always"];

for await (const line of readline.createInterface({ input: process.stdin })) {
  let answer;
  try {
    const { expr, context, status } = JSON.parse(line);
    const functions = STATUS_FUNCTIONS.map((name) => ({
      name, minArgs: 0, maxArgs: 0,
      call: () => new data.BooleanData(name === "always" || name === status),
    }));
    const tokens = new Lexer(expr).lex().tokens;
    const tree = new Parser(tokens, Object.keys(context), functions).parse();
    const scope = JSON.parse(JSON.stringify(context), data.reviver);
    const value = new Evaluator(tree, scope, new Map(functions.map((f) => [f.name, f]))).evaluate();
    answer = { value: JSON.parse(JSON.stringify(value, data.replacer) ?? "null") };
  } catch (e) {
    answer = { error: String((e && e.message) || e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
