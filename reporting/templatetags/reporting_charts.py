from django import template

from reporting.dashboard.charts import Chart, with_nonce

register = template.Library()


def _nonce(context) -> str:
    # request.csp_nonce is lazy (and false until read): read it with str(), never test it.
    # Reading it makes django-csp add the same nonce to this response's policy.
    nonce = getattr(context.get("request"), "csp_nonce", None)
    return "" if nonce is None else str(nonce)


@register.simple_tag(takes_context=True)
def chart_svg(context, chart: Chart) -> str:
    """A chart's SVG whose <style> carries the request's content security policy nonce."""
    return chart.svg(nonce=_nonce(context))


@register.simple_tag(takes_context=True)
def svg_nonce(context, svg: str) -> str:
    """An SVG drawn by pygal (a KPI's sparkline) with the request's nonce on its <style>."""
    return with_nonce(svg, _nonce(context))
