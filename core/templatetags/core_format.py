from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.formats import in_own_language, labelled_html
from core.formats import join_groups as _join_groups
from core.formats import join_list as _join_list
from core.formats import label_rule as _label_rule
from core.formats import labelled as _labelled
from core.formats import number as _number
from core.formats import readable_or as _readable_or
from core.formats import reads_as_chinese as _reads_as_chinese
from core.messages import render_message_html

register = template.Library()


@register.filter
def join_list(items) -> str:
    """A list joined with the reader's language's separator (``core.formats``)."""
    return _join_list(items or ())


@register.filter
def join_labelled(pairs) -> str:
    """(label, value) pairs as "行业：泳装；城市：葫芦岛市" / "Sector: Swimwear;
    City: Huludao" (``core.formats``): ``{{ filters|join_labelled }}``; a value
    that is Chinese in the English UI (a search's words) is lang-marked."""
    groups = (
        labelled_html(label, in_own_language(value)) for label, value in pairs or ()
    )
    return mark_safe(_join_groups(groups))  # noqa: S308 (each group escaped)


@register.filter
def lang_marked(text) -> str:
    """Text as it was written (a name, products, an address), marked
    ``lang="zh-CN"`` when it is Chinese in the English UI (``core.formats``):
    ``{{ enterprise.display_name|lang_marked }}``."""
    return in_own_language(text)


@register.simple_tag
def label_rule() -> str:
    """The rule for a label and its value (``core.formats.label_rule``), for a
    script: ``data-label-format="{% label_rule %}"``."""
    return _label_rule()


@register.filter
def lang_attribute(text) -> str:
    """`` lang="zh-CN"`` for an element whose text attribute (an image's ``alt``)
    is Chinese in the English UI, else nothing:
    ``<img alt="{{ p.caption }}"{{ p.caption|lang_attribute }}>``."""
    return mark_safe(' lang="zh-CN"') if _reads_as_chinese(text) else ""


@register.filter
def reads_as_chinese(text) -> bool:
    """Whether ``text`` is Chinese shown in the English UI (``core.formats``): an
    attribute naming it (``aria-label``) would read it with an English voice, so
    a template points at its marked element instead (``aria-labelledby``)."""
    return _reads_as_chinese(text)


@register.filter
def readable_or(text, fallback):
    """``text``, or ``fallback`` where it would be Chinese in the English UI
    (``core.formats.readable_or``): ``enterprise.display_name|readable_or:this``."""
    return _readable_or(text, fallback)


@register.filter(is_safe=True)
def number(value, decimals=None) -> str:
    """A figure with its digits grouped in the reader's language (``core.formats``):
    ``{{ total|number }}``, ``{{ revenue|number:1 }}``."""
    return _number(value, None if decimals is None else int(decimals))


@register.filter
def message(stored) -> str:
    """A stored message (``core.messages``) in the reader's language, what a person
    or a file wrote in it marked when it is Chinese in the English UI."""
    return render_message_html(stored)


class LabelledNode(template.Node):
    def __init__(self, title, nodelist, strong: bool):
        self.title, self.nodelist, self.strong = title, nodelist, strong

    def render(self, context) -> str:
        title = self.title.resolve(context)
        value = self.nodelist.render(context).strip()
        if not context.autoescape:  # a text e-mail: nothing is HTML
            return _labelled(title, value)
        if self.strong:
            title = format_html("<strong>{}</strong>", title)
        # The block's output is the template's, escaped as it rendered.
        return labelled_html(title, mark_safe(value))  # noqa: S308


@register.tag
def labelled(parser, token):
    """A label and its value by the one rule (``core.formats.labelled``: "行业：泳装",
    "Sector: Swimwear"), the value being what the block renders (stripped; it may
    hold links): ``{% labelled _("Cluster") %}<a …>…</a>{% endlabelled %}``;
    ``{% labelled field|field_label strong %}`` puts the label in ``<strong>``."""
    bits = token.split_contents()
    if len(bits) not in (2, 3) or (len(bits) == 3 and bits[2] != "strong"):
        raise template.TemplateSyntaxError(
            "Usage: {% labelled <title> [strong] %}value{% endlabelled %}"
        )
    title = parser.compile_filter(bits[1])
    nodelist = parser.parse(("endlabelled",))
    parser.delete_first_token()
    return LabelledNode(title, nodelist, strong=len(bits) == 3)
