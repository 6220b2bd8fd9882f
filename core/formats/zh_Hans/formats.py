"""The Chinese UI's number format (FORMAT_MODULE_PATH; what is not here is Django's
zh_Hans format). Django's zh_Hans format groups digits by four with no separator,
which shows 10344 as "10344"; the site writes "10,344", as mainland statistics
yearbooks and company reports do (and as the English UI does)."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
