"""No statement: which administrations have not submitted anything ("Skrivelse saknas."),
or whether a named one has."""

from __future__ import annotations

from ingest.text.groups import group_noun
from retrieval.answering.compose import NO_STATEMENT_TEXT, Composed, Context, Refusal
from retrieval.answering.composers.lists import silent_on_measures
from retrieval.answering.plan import QuestionPlan
from retrieval.stance import INGEN, Stance


class NoStatementComposer:
    shape = "no_statement"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        cites = ctx.cites()
        silent = ctx.statements.silent
        lines: list[str] = []
        if plan.scope.administrations:
            for admin in plan.scope.administrations:
                if admin in silent:
                    line = silent[admin][0]
                    cites.stance(Stance(admin, None, None, INGEN, line.flat, "", line))
                    quote = cites.quote(line)
                    lines.append(f"**{admin}** {NO_STATEMENT_TEXT} (”{quote.text}”) "
                                 f"[{quote.n}].")
                    continue
                own = ctx.statements.of_administration(admin)
                if not own:
                    continue
                measures = ctx.addressed(admin)
                quote = cites.quote(own[0])
                about = ("åtgärd " + ", ".join(n for _, n in measures)) if measures \
                    else "kommissionens rapporter i allmänhet"
                lines.append(f"**{admin}** har lämnat en skrivelse i bilagan; den tar upp "
                             f"{about}: {quote.markdown}")
            if not lines:
                return Refusal("förvaltningen finns inte i bilagan")
            return Composed("\n\n".join(lines), lines[0].split(" (”")[0].replace("*", ""),
                            cites)
        if plan.topic.measures:
            # "Vilka har inte kommenterat åtgärd 4.1.1?": silence on the measure.
            lines = silent_on_measures(plan, ctx, cites)
            return Composed("\n".join(lines), lines[0], cites)
        scope = ctx.in_scope(plan)
        quiet = [a for a in scope if a in silent]
        head = f"{len(quiet)} av {len(scope)} {group_noun(plan.scope.kinds)} {NO_STATEMENT_TEXT}:"
        lines = [head]
        for admin in quiet:
            line = silent[admin][0]
            cites.stance(Stance(admin, None, None, INGEN, line.flat, "", line))
            quote = cites.quote(line)
            lines.append(f"- **{admin}** (”{quote.text}”) [{quote.n}]")
        return Composed("\n".join(lines), head.rstrip(":") + ".", cites)
