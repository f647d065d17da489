"""Beta's helper: it uses json as it is."""

NAME = 'beta-helper'
