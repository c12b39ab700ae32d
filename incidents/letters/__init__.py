"""Letters: one for every step of the procedure that needs one, as tagged PDFs.

- `kinds`: every kind of letter, to whom it goes, who signs it, and which step issues it;
- `facts`: what each letter says, gathered from the case and the step's input;
- `documents`: the facts laid out in the letter's template (`templates/letters/`);
- `render`: HTML to PDF (WeasyPrint), refusing every URL but the app's own static files;
- `services`: issuing with a step, previewing, correcting, opening (logged);
- `review`: every letter a case can have, for `manage.py render_letters`.
"""
