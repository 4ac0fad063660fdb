"""Filters for the access log."""

from __future__ import annotations

from django import forms

from peersupport.schools.widgets import DateInput


class AuditFilterForm(forms.Form):
    who = forms.CharField(label="Who (e-mail)", required=False, max_length=254)
    action = forms.CharField(label="Action", required=False, max_length=60)
    record = forms.UUIDField(label="Record id", required=False)
    since = forms.DateField(label="From", required=False, widget=DateInput())
    until = forms.DateField(label="To", required=False, widget=DateInput())
