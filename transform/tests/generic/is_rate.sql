{# A share: null (undefined, its denominator is 0) or between 0 and 1 inclusive. #}
{% test is_rate(model, column_name) %}

select * from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 1

{% endtest %}
