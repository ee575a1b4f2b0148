"""The public pages of the demo site, shared by the view tests and the browser tests."""

PUBLIC_PAGES = (
    "/",
    "/plenaries/",
    "/plenaries/9th-plenary",
    "/plenaries/10th-plenary",
    "/plenaries/11th-plenary",
    "/news/",
    "/news/review-10th-plenary",
    "/news/invitation-11th-plenary",
    "/members/",
)
