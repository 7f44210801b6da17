"""Weekly pain-point reports: ranking (with breakdowns, verbatims, significance), rendering (render,
charts, templates/) and publishing (publish); the theme browser (theme_browser)."""
