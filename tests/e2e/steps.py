"""Taking a step of the procedure in the browser, as the browser tests do."""


def take_step(page, accessible, button: str, fill=None, confirm=False):
    """Open the step from the case page by its button, fill its form (`fill(page)`), confirm it if it
    cannot be undone, send it, and see the case's new stage said; each page checked with axe."""
    page.get_by_role("link", name=button).first.click()
    accessible(page)
    if fill:
        fill(page)
    if confirm:
        page.get_by_label("I understand that this cannot be undone").check()
    page.get_by_role("button", name=button).click()
    assert page.get_by_role("status").filter(has_text="The case is at:").is_visible(), page.content()[:2000]
    accessible(page)
