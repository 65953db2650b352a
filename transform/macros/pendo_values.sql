{#- A ratio as a double, null when the denominator is 0 (never an integer division, never a division error). -#}
{% macro pendo_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ pendo_type_double() }}) / nullif({{ denominator }}, 0)
{%- endmacro %}


{#- True for Pendo's anonymous visitors, whose ids start with `_PENDO_T_`. -#}
{% macro pendo_is_anonymous_visitor(visitor_id) -%}
    coalesce(left({{ visitor_id }}, 9) = '_PENDO_T_', false)
{%- endmacro %}


{#- The validated `pendo_guide_completion_rule` var: `last_step_seen` or `last_step_advanced`. -#}
{% macro pendo_guide_completion_rule() -%}
    {%- set rule = var('pendo_guide_completion_rule') -%}
    {%- if rule not in ['last_step_seen', 'last_step_advanced'] -%}
        {{ exceptions.raise_compiler_error(
            "var pendo_guide_completion_rule must be 'last_step_seen' or 'last_step_advanced', not '" ~ rule ~ "'"
        ) }}
    {%- endif -%}
    {{ return(rule) }}
{%- endmacro %}


{#- True for an NPS poll: Pendo types them `NPSRating`, compared case-insensitively. -#}
{% macro pendo_is_nps_poll_type(poll_type) -%}
    coalesce(lower({{ poll_type }}) = 'npsrating', false)
{%- endmacro %}


{#- The validated `pendo_new_visitor_rule` var: `first_visit` or `first_in_data`. -#}
{% macro pendo_new_visitor_rule() -%}
    {%- set rule = var('pendo_new_visitor_rule') -%}
    {%- if rule not in ['first_visit', 'first_in_data'] -%}
        {{ exceptions.raise_compiler_error(
            "var pendo_new_visitor_rule must be 'first_visit' or 'first_in_data', not '" ~ rule ~ "'"
        ) }}
    {%- endif -%}
    {{ return(rule) }}
{%- endmacro %}
