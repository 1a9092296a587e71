// The two tiny pages a customer sees: the rating form behind the survey link, and the thanks.
const page = (body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>EduStream Support</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto">${body}</body></html>`;

/** The rating form; it posts back to the same signed link. */
export function renderSurveyPage(token: string): string {
  const options = [1, 2, 3, 4, 5]
    .map((n) => `<label><input type="radio" name="rating" value="${n}" required> ${n}</label>`)
    .join(' ');
  return page(`<h1>How did we do?</h1>
<form method="post" action="/csat/${encodeURIComponent(token)}">
<p>1 = poor, 5 = excellent</p><p>${options}</p>
<p><label>Anything to add? (optional)<br><textarea name="comment" rows="4" cols="40" maxlength="2000"></textarea></label></p>
<p><button type="submit">Send</button></p></form>`);
}

/** Shown after a rating is accepted. */
export function renderSurveyThanks(rating: number): string {
  return page(`<h1>Thank you!</h1><p>You rated us ${rating} out of 5.</p>`);
}
